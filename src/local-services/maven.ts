import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { requireTool, runStep } from './tools.ts';

export interface MavenClasspath {
  /** The pom whose runtime dependencies make the classpath. */
  pom: string;
  /** Where the resolved classpath is recorded (reused while the pom is older and every jar exists). */
  file: string;
  /** Why Java is needed, in the hint when it is missing ("to run the local Kafka broker"). */
  javaFor: string;
  /** Why Maven is needed, in the hint when it is missing. */
  mavenFor: string;
  /** The progress line shown when Maven has to run. */
  step: string;
}

/**
 * Resolves a pom's runtime jars into the user's Maven cache (~/.m2) and records the classpath. Later
 * calls reuse the recorded classpath as long as the pom has not changed and every jar is present.
 */
export async function resolveMavenClasspath(
  m: MavenClasspath,
  onStep: (message: string) => void,
): Promise<string> {
  if (existsSync(m.file) && statSync(m.file).mtimeMs >= statSync(m.pom).mtimeMs) {
    const cached = readFileSync(m.file, 'utf8').trim();
    if (cached !== '' && cached.split(':').every((jar) => existsSync(jar))) return cached;
  }
  await requireTool('java', ['-version'], m.javaFor);
  await requireTool('mvn', ['-v'], m.mavenFor);
  onStep(m.step);
  mkdirSync(dirname(m.file), { recursive: true });
  await runStep(
    'mvn',
    [
      '-B',
      '-q',
      '-Dstyle.color=never',
      '-f',
      m.pom,
      'dependency:build-classpath',
      `-Dmdep.outputFile=${m.file}`,
      '-Dmdep.includeScope=runtime',
    ],
    { cwd: dirname(m.pom), timeoutMs: 20 * 60_000 },
  );
  return readFileSync(m.file, 'utf8').trim();
}
