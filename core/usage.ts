/**
 * Who still needs a recording, roster or template: an unfinished task
 * (TaskService.usersOf, wired by core/core.ts). While one does, the thing may
 * be renamed but not deleted (docs/DOMAIN.md "Deleting what a task uses").
 */
export interface UsageOptions {
  /** True while an unfinished task uses it. */
  isInUse?: (id: number) => boolean;
  /** The name of an unfinished task using it, for the refusal to name (null when none). */
  usedBy?: (id: number) => string | null;
}

export class Usage {
  readonly isInUse: (id: number) => boolean;
  private readonly usedBy: (id: number) => string | null;

  constructor(options: UsageOptions = {}) {
    this.isInUse = options.isInUse ?? (() => false);
    this.usedBy = options.usedBy ?? (() => null);
  }

  /** Throws the service's refusal while a task uses it: the one naming the task when one is known, else the general one. */
  refuseDelete(id: number, refusal: { byTask: (task: string) => Error; inUse: () => Error }): void {
    const task = this.usedBy(id);
    if (task !== null) throw refusal.byTask(task);
    if (this.isInUse(id)) throw refusal.inUse();
  }
}
