/**
 * Where a V8 CPU profile spends its time: self time by package (or project file) and by function.
 *   npx ts-node --transpile-only bench/profile-summary.ts bench/results/profiles/<file>.cpuprofile [seconds]
 * With `seconds`, only the profile's last seconds count (the load, without start-up and set-up).
 * Shares are of busy time: idle samples are left out.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
};
const idle = new Set(
  profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id),
);
const times: number[] = [];
profile.timeDeltas.reduce((at, delta, i) => (times[i] = at + delta), 0);
const from = times[times.length - 1] - Number(process.argv[3] ?? Infinity) * 1e6;
const selfTime = new Map<number, number>();
profile.samples.forEach((id, i) => {
  if (times[i] < from || idle.has(id)) return;
  selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfTime.values()].reduce((a, b) => a + b, 0);

const byPackage = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const time = selfTime.get(node.id) ?? 0;
  if (!time) continue;
  const { url, functionName, lineNumber } = node.callFrame;
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  const where =
    module ?? (url.includes('/dist/') ? url.replace(/.*\/dist\//, 'dist/') : url || '(native)');
  byPackage.set(where, (byPackage.get(where) ?? 0) + time);
  const name = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + time);
}

const top = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, time]) => `${((time / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
    .join('\n');
process.stdout.write(
  `busy ${(total / 1e6).toFixed(2)} s\n` +
    `self time by package or file:\n${top(byPackage, 25)}\n\nby function:\n${top(byFunction, 30)}\n`,
);
