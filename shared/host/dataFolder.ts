/** The data folder's name under the system's application-data folder (Electron's userData for our product name). */
export const APP_FOLDER_NAME = 'AutoCall Scheduler';
