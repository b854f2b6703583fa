/** Call media: SDP offer/answer, RTP sending paced by one clock per packet period (on the media worker in the app), RTP/DTMF receiving. */
export type * from './types.js';
export { RtpMediaFactory, RtpMediaSession, type RtpNegotiatedMedia } from './rtpMediaSession.js';
export { RtpClock, sharedRtpClock, configureSharedRtpClock, FRAME_PERIOD_NS, type RtpClockOptions, type RtpClockSource } from './rtpClock.js';
export { MediaThread, WorkerMediaFactory } from './workerMedia.js';
export type { DtmfEvent } from './dtmfReceiver.js';
export { SILENCE_BYTE } from './rtpSender.js';
