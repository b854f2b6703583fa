/// <reference types="vite/client" />
import type { AutocallApi } from '../../shared/contract/api.js';

declare global {
  interface Window {
    /** Set by the preload (desktop app) or the test bridge client before the app starts. */
    autocall?: AutocallApi;
  }
}

export {};
