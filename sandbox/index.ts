/** The reference FLP target with fault injection: start it, switch faults, read its statistics. */
export { startSandbox, sandboxOptionsFromConfig, DEFAULT_DOMAIN, DEFAULT_NODES, DEFAULT_SOURCES, DEFAULT_VERSION } from './server.ts';
export type { Sandbox, SandboxOptions } from './server.ts';
export { FAULT_NAMES, FAULT_DESCRIPTIONS, FaultError, isFaultName, SYSTEM_FAULTS, DEFAULT_FAULT_SYSTEM } from './faults.ts';
export type { ActiveFault, FaultName, FaultParams } from './faults.ts';
export { SANDBOX_LPS_SYSTEMS, SANDBOX_LPS_SYSTEM_NAMES, LAUNCH_TS_WINDOW_S, judgeLaunch, signLaunch, LaunchStats, LaunchTraffic } from './lps.ts';
export type { LaunchStyle, SandboxLpsSystem, LaunchJudgement, LaunchRefusalReason, LaunchStatsReport, SystemLaunchStats } from './lps.ts';
export type { SandboxStats } from './world.ts';
export { createCertificateAuthority, issueCertificate, loadCertificateAuthority } from './certs.ts';
export type { CertificateAuthority, KeyPairPem } from './certs.ts';
export { setFault, clearFaults, listFaults, getStats } from './admin-client.ts';
export { runSandboxForeground } from './main.ts';
