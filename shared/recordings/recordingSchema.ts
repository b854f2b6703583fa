import { nameSchema } from '../validation/nameSchema.js';

/** A recording's name: the upload's file name without its extension unless one is typed; 1 to 200 characters. */
export const RECORDING_NAME_MAX = 200;

/** Checked once for the rename prompt, the contract (`recording.add`, `recording.rename`) and RecordingService. */
export const recordingNameSchema = nameSchema('recording name', RECORDING_NAME_MAX, { empty: 'recording.nameEmpty', tooLong: 'recording.nameTooLong' });
