/** SLA reports: figures from a history source, rendered as Markdown, CSV, HTML or JSON. */
export { computeSla, slaServices, type ComputeOptions, type SlaHistory, type SlaReport, type SlaIncident, type ServiceAvailability } from './compute.ts';
export { renderMarkdown } from './render-md.ts';
export { renderCsv, csvField } from './render-csv.ts';
export { renderHtml } from './render-html.ts';
export { renderJson, reportDocument } from './render-json.ts';
export { monthRange, isoLocal, showLocal } from './time.ts';
