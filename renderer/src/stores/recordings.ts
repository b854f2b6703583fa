import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Recording, RecordingProgress } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';

/** Recording Files: the list, uploads with the core's preparation progress, playback of the original. */
export const useRecordingsStore = defineStore('recordings', () => {
  const items = ref<Recording[]>([]);
  const loading = ref(false);
  const progress = ref<RecordingProgress | null>(null);
  const uploading = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      items.value = await unwrap(autocall().recording.list({}));
    } finally {
      loading.value = false;
    }
  }

  /** Uploads one file: the core decodes it whole, prepares the call audio and answers the new recording. */
  async function upload(file: File): Promise<Recording> {
    const api = autocall();
    uploading.value = true;
    progress.value = { fileName: file.name, stage: 'checking', fraction: 0 };
    const stop = api.subscribe('recording.progress', (p) => {
      progress.value = p;
    });
    try {
      const path = await api.pathForFile(file);
      const recording = await unwrap(api.recording.add({ path }));
      await load();
      return recording;
    } finally {
      stop();
      uploading.value = false;
      progress.value = null;
    }
  }

  async function rename(id: number, name: string): Promise<void> {
    await unwrap(autocall().recording.rename({ id, name }));
    await load();
  }

  async function remove(id: number): Promise<void> {
    await unwrap(autocall().recording.remove({ id }));
    await load();
  }

  /** A Blob URL of the original MP3; the caller revokes it when the player closes. */
  async function audioUrl(id: number): Promise<string> {
    const audio = await unwrap(autocall().recording.audio({ id }));
    const bytes = new Uint8Array(audio.data.byteLength);
    bytes.set(audio.data);
    return URL.createObjectURL(new Blob([bytes.buffer], { type: audio.mime }));
  }

  return { items, loading, progress, uploading, load, upload, rename, remove, audioUrl };
});
