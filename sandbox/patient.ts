/**
 * The synthetic patient data behind the overview: derived from the CPR number, the same on
 * every node, with dates relative to now so the page always looks current.
 */

export interface Overview {
  patient: { maskedCpr: string; name: string; age: number; sex: 'F' | 'M' };
  clinic: string;
  diagnoses: { code: string; text: string }[];
  labResults: { analysis: string; value: string; unit: string; takenAt: string }[];
  medication: { drug: string; strength: string; dosage: string }[];
  measurements: { kind: string; value: string; unit: string; measuredAt: string }[];
  /** When each source's data was last synchronised. */
  sources: { source: string; syncedAt: string }[];
}

const DAY = 86_400_000;

/** `2512489996` → `251248-xxxx`. */
export function maskCpr(cpr: string): string {
  return `${cpr.slice(0, 6)}-xxxx`;
}

/** The birth date a CPR encodes (century from the 7th digit, as the CPR office defines it). */
export function birthDate(cpr: string): Date | null {
  const day = Number(cpr.slice(0, 2));
  const month = Number(cpr.slice(2, 4));
  const yy = Number(cpr.slice(4, 6));
  const d7 = Number(cpr[6]);
  let century: number;
  if (d7 <= 3) century = 1900;
  else if (d7 === 4 || d7 === 9) century = yy <= 36 ? 2000 : 1900;
  else century = yy <= 57 ? 2000 : 1800;
  const date = new Date(Date.UTC(century + yy, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null;
}

function ageAt(birth: Date, now: Date): number {
  let age = now.getUTCFullYear() - birth.getUTCFullYear();
  const beforeBirthday = now.getUTCMonth() < birth.getUTCMonth() || (now.getUTCMonth() === birth.getUTCMonth() && now.getUTCDate() < birth.getUTCDate());
  return beforeBirthday ? age - 1 : age;
}

export function buildOverview(cpr: string, clinic: string, sources: { source: string; syncedAt: string }[], now: Date): Overview {
  const birth = birthDate(cpr);
  const female = Number(cpr[9]) % 2 === 0;
  const labSynced = Date.parse(sources.find((s) => s.source === 'lab')?.syncedAt ?? now.toISOString());
  const daysBefore = (ms: number, days: number) => new Date(ms - days * DAY).toISOString();
  return {
    patient: {
      maskedCpr: maskCpr(cpr),
      name: cpr === '2512489996' ? 'Nancy Ann Berggren' : `Testpatient ${maskCpr(cpr)}`,
      age: birth ? ageAt(birth, now) : 0,
      sex: female ? 'F' : 'M',
    },
    clinic,
    diagnoses: [
      { code: 'DE11.9', text: 'Type 2-diabetes uden komplikationer' },
      { code: 'DI10.9', text: 'Essentiel hypertension' },
      { code: 'DJ44.9', text: 'Kronisk obstruktiv lungesygdom (KOL)' },
    ],
    labResults: [
      { analysis: 'HbA1c', value: '53', unit: 'mmol/mol', takenAt: daysBefore(labSynced, 12) },
      { analysis: 'eGFR', value: '72', unit: 'mL/min/1,73m²', takenAt: daysBefore(labSynced, 12) },
      { analysis: 'LDL-kolesterol', value: '2,4', unit: 'mmol/L', takenAt: daysBefore(labSynced, 12) },
      { analysis: 'U-albumin/kreatinin', value: '18', unit: 'mg/g', takenAt: daysBefore(labSynced, 40) },
    ],
    medication: [
      { drug: 'Metformin', strength: '500 mg', dosage: '1 tablet 2 gange dagligt' },
      { drug: 'Amlodipin', strength: '5 mg', dosage: '1 tablet dagligt' },
      { drug: 'Spiolto Respimat', strength: '2,5/2,5 mikrog', dosage: '2 pust dagligt' },
    ],
    measurements: [
      { kind: 'Blodtryk', value: '138/86', unit: 'mmHg', measuredAt: daysBefore(now.getTime(), 9) },
      { kind: 'Vægt', value: '82', unit: 'kg', measuredAt: daysBefore(now.getTime(), 9) },
      { kind: 'Livvidde', value: '98', unit: 'cm', measuredAt: daysBefore(now.getTime(), 65) },
    ],
    sources,
  };
}
