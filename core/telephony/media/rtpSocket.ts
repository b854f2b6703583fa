/**
 * The UDP socket of one session's RTP, bound on an even port of the
 * configured range (RFC 3550 §11: RTP on an even port, RTCP on the next odd one).
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { AppError } from '../../errors.js';

/**
 * dgram resolves the destination of every send through `lookup`, and the
 * default one defers even an IP literal to the next tick. At 50 packets a
 * second per call that is real work, so IP literals are answered at once.
 */
function literalFirstLookup(
  hostname: string,
  options: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dnsLookup(hostname, options as never, callback as never);
}

/** Where to try first in each range: successive calls spread over the range instead of re-probing busy ports. */
const cursors = new Map<string, number>();

function tryBind(address: string, port: number): Promise<Socket | null> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: isIP(address) === 6 ? 'udp6' : 'udp4', lookup: literalFirstLookup as never });
    const onError = (err: NodeJS.ErrnoException) => {
      socket.close();
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(null);
      else reject(err);
    };
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

export async function bindRtpSocket(address: string, range: readonly [number, number]): Promise<Socket> {
  const low = Math.max(2, range[0] + (range[0] % 2));
  const high = Math.min(65534, range[1]);
  if (isIP(address) === 0) {
    throw new AppError('media.badAddress', { address });
  }
  if (high < low) {
    throw new AppError('media.badPortRange', { low: range[0], high: range[1] });
  }
  const count = Math.floor((high - low) / 2) + 1;
  const key = `${address}|${low}|${high}`;
  let index = cursors.get(key) ?? 0;
  for (let attempt = 0; attempt < count; attempt++, index = (index + 1) % count) {
    let socket: Socket | null;
    try {
      socket = await tryBind(address, low + index * 2);
    } catch (err) {
      throw new AppError('media.bindFailed', { address });
    }
    if (socket) {
      cursors.set(key, (index + 1) % count);
      return socket;
    }
  }
  throw new AppError('media.noFreePort', { low, high });
}
