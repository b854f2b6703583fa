export { SipGateway, type SipGatewayDeps, type GatewayTestResult, type CallRequest } from './sipGateway.js';
export type { GatewayConfig } from './config.js';
export { dialledNumber } from './numberFormat.js';
export { maskSecrets } from './trace.js';
