/** Call media: SDP offer/answer, RTP sending paced by one shared clock, RTP/DTMF receiving. */
export type * from './types.js';
export { RtpMediaFactory, RtpMediaSession, type RtpNegotiatedMedia } from './rtpMediaSession.js';
export { RtpClock, sharedRtpClock, configureSharedRtpClock, FRAME_PERIOD_NS, type RtpClockOptions } from './rtpClock.js';
export type { DtmfEvent } from './dtmfReceiver.js';
export { SILENCE_BYTE } from './rtpSender.js';
