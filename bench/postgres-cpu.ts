import { readdirSync, readFileSync } from 'node:fs';

/** What a PostgreSQL process does, from the title it sets (`postgres: walwriter`, `postgres: user db …`). */
const ROLES = [
  'checkpointer',
  'background writer',
  'walwriter',
  'autovacuum launcher',
  'autovacuum worker',
  'logical replication launcher',
  'stats collector',
  'archiver',
];

interface Seen {
  role: string;
  first: number;
  last: number;
}

/**
 * The CPU time of one PostgreSQL instance (a postmaster and its children), in seconds. The
 * postmaster keeps the time of the children it reaped, so a backend that ends during a run stays
 * in the total. With `sample`, every process is read every 100 ms during the run and its time put
 * under its role (backends, walwriter, autovacuum…); what ended between two reads is "ended".
 */
export class PostgresCpu {
  private readonly seen = new Map<number, Seen>();
  private timer: NodeJS.Timeout | null = null;
  private startTotal = 0;

  /** `postmaster`: the instance's postmaster pid, or null for every `postgres` process there is. */
  constructor(private readonly postmaster: number | null) {}

  start(sample: boolean): void {
    this.seen.clear();
    this.startTotal = this.total();
    if (sample) {
      this.read();
      this.timer = setInterval(() => this.read(), 100);
    }
  }

  /** The seconds since start, and with sampling the seconds by role. */
  stop(): { seconds: number; byRole: Record<string, number> | null } {
    const seconds = this.total() - this.startTotal;
    if (!this.timer) return { seconds, byRole: null };
    clearInterval(this.timer);
    this.timer = null;
    this.read();
    const byRole: Record<string, number> = {};
    for (const { role, first, last } of this.seen.values()) {
      byRole[role] = (byRole[role] ?? 0) + last - first;
    }
    const sampled = Object.values(byRole).reduce((sum, value) => sum + value, 0);
    byRole.ended = Math.max(0, seconds - sampled);
    return { seconds, byRole };
  }

  private total(): number {
    let total = 0;
    // Only a postmaster reaps PostgreSQL processes: the others' reaped time is 0.
    for (const pid of this.pids()) total += cpuSeconds(pid, true);
    return total;
  }

  private read(): void {
    for (const pid of this.pids()) {
      const cpu = cpuSeconds(pid, false);
      const known = this.seen.get(pid);
      if (known) known.last = cpu;
      else this.seen.set(pid, { role: roleOf(pid, this.postmaster), first: cpu, last: cpu });
    }
  }

  private pids(): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      const stat = statFields(pid);
      if (!stat || !stat.name.startsWith('postgres')) continue;
      if (this.postmaster === null || pid === this.postmaster || stat.ppid === this.postmaster) {
        pids.push(pid);
      }
    }
    return pids;
  }
}

function statFields(pid: number): { name: string; ppid: number; fields: string[] } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { name, ppid: Number(fields[1]), fields };
  } catch {
    return null; // it ended meanwhile
  }
}

/** CPU seconds of a process; with `reaped`, also those of its children that ended. */
function cpuSeconds(pid: number, reaped: boolean): number {
  const stat = statFields(pid);
  if (!stat) return 0;
  const [utime, stime, cutime, cstime] = stat.fields.slice(11, 15).map(Number);
  return (utime + stime + (reaped ? cutime + cstime : 0)) / 100;
}

function roleOf(pid: number, postmaster: number | null): string {
  if (pid === postmaster) return 'postmaster';
  let title = '';
  try {
    title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return 'ended';
  }
  return ROLES.find((role) => title.includes(role)) ?? 'backends';
}
