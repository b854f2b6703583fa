/** What Linux's /proc says of another process, for benches that measure a child (the built core host, sipp). */
import { readFileSync } from 'node:fs';

/** CPU seconds a process has used, every thread (user + system, /proc/PID/stat fields 14 and 15, in USER_HZ = 100 ticks a second); NaN when it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** A memory field of /proc/PID/status (VmRSS now, VmHWM the peak), in MB. */
export function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  return line ? (Number(line.split(/\s+/)[1]) * 1024) / 1e6 : NaN;
}
