import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Recording, RecordingProgress } from '../../../shared/types.js';
import { autocall, unwrap } from '../api/call.js';
import { useLoaded } from '../composables/useLoaded.js';

/** Recording Files: the list, uploads with the core's preparation progress, playback of the original. */
export const useRecordingsStore = defineStore('recordings', () => {
  const { value: items, loading, load, after } = useLoaded<Recording[]>(() => unwrap(autocall().recording.list({})), []);
  const progress = ref<RecordingProgress | null>(null);
  const uploading = ref(false);

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
      return await after(unwrap(api.recording.add({ path })));
    } finally {
      stop();
      uploading.value = false;
      progress.value = null;
    }
  }

  const rename = (id: number, name: string) => after(unwrap(autocall().recording.rename({ id, name })));
  const remove = (id: number) => after(unwrap(autocall().recording.remove({ id })));

  /** A Blob URL of the original MP3; the caller revokes it when the player closes. */
  async function audioUrl(id: number): Promise<string> {
    const audio = await unwrap(autocall().recording.audio({ id }));
    const bytes = new Uint8Array(audio.data.byteLength);
    bytes.set(audio.data);
    return URL.createObjectURL(new Blob([bytes.buffer], { type: audio.mime }));
  }

  return { items, loading, progress, uploading, load, upload, rename, remove, audioUrl };
});
