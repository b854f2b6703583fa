import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ExportResult, Page, Roster, RosterAnalysis, RosterEntry, RosterFlags, RosterImportProgress, RosterIssue } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';
import { useLoaded } from '../composables/useLoaded.js';

/**
 * Call Roster: the list, the two-step import (analyze into a staged roster,
 * then confirm or discard) and the paged detail. Entries are always fetched
 * a page at a time from the database, never the whole roster.
 */
export const useRostersStore = defineStore('rosters', () => {
  const { value: items, loading, load, after } = useLoaded<Roster[]>(() => unwrap(autocall().roster.list({})), []);
  const progress = ref<RosterImportProgress | null>(null);
  const analyzing = ref(false);

  /** The path of a picked or dropped file, as the core can read it. */
  function pathFor(file: File): Promise<string> {
    return autocall().pathForFile(file);
  }

  async function analyze(path: string, fileName: string, phoneColumn?: string): Promise<RosterAnalysis> {
    const api = autocall();
    analyzing.value = true;
    progress.value = { fileName, bytesRead: 0, totalBytes: 0, rowsRead: 0 };
    const stop = api.subscribe('roster.importProgress', (p) => {
      progress.value = p;
    });
    try {
      return await unwrap(api.roster.analyze({ path, ...(phoneColumn ? { phoneColumn } : {}) }));
    } finally {
      stop();
      analyzing.value = false;
      progress.value = null;
    }
  }

  const confirm = (id: number) => after(unwrap(autocall().roster.confirm({ id })));

  async function discard(id: number): Promise<void> {
    await unwrap(autocall().roster.discard({ id }));
  }

  const remove = (id: number) => after(unwrap(autocall().roster.remove({ id })));

  function get(id: number): Promise<Roster> {
    return unwrap(autocall().roster.get({ id }));
  }

  function entries(id: number, page: number, pageSize: number): Promise<Page<RosterEntry>> {
    return unwrap(autocall().roster.entries({ id, page, pageSize }));
  }

  function issues(id: number, page: number, pageSize: number): Promise<Page<RosterIssue>> {
    return unwrap(autocall().roster.issues({ id, page, pageSize }));
  }

  function flags(id: number): Promise<RosterFlags> {
    return unwrap(autocall().roster.flags({ id }));
  }

  /** Saves the unusable rows as CSV where the user chooses; null when they cancel. */
  function exportIssues(id: number): Promise<ExportResult | null> {
    return unwrap(autocall().roster.exportIssues({ id }));
  }

  return { items, loading, progress, analyzing, load, pathFor, analyze, confirm, discard, remove, get, entries, issues, flags, exportIssues };
});
