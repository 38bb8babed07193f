/**
 * Local Kafka (Maven) and FerretDB (Go) for development and tests, and the reachability probes.
 *
 * What other folders may import from src/local-services/; its other files are internal (eslint.config.js).
 */
export { resolveMavenClasspath } from './maven.ts';
export { resolveStateDir } from './paths.ts';
export { clientProbes, probeKafka, probeMongo } from './probe.ts';
export { servicesDown, servicesStatus, type ServiceStatus, servicesUp } from './services.ts';
