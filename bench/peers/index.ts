import {
  backpropFloat32Peer,
  backpropOneThreadPeer,
  backpropPeer,
  backpropReferencePeer,
  backpropTwoThreadsPeer,
} from './backprop.js';
import { brainPeer } from './brain.js';
import { cPeer } from './c.js';
import { plainJsPeer } from './plain-js.js';
import { synapticPeer } from './synaptic.js';
import { tfjsCpuPeer, tfjsWasmPeer } from './tfjs.js';
import type { Peer } from './types.js';

/** Every peer the bench knows, in table order. */
export const PEER_NAMES = [
  'backprop',
  'backprop-f32',
  'backprop-ref',
  'backprop-1t',
  'backprop-2t',
  'plain-js',
  'c',
  'tfjs-cpu',
  'tfjs-wasm',
  'brain.js',
  'synaptic',
] as const;

export type PeerName = (typeof PEER_NAMES)[number];

/** Run when `--peers` is not given (backprop-ref, -1t and -2t are on request: they compare paths). */
export const DEFAULT_PEERS: readonly PeerName[] = PEER_NAMES.filter(
  (p) => p !== 'backprop-ref' && p !== 'backprop-1t' && p !== 'backprop-2t',
);

/** The peer of that name; the C peer needs its compiled binary (or why there is none). */
export function getPeer(name: PeerName, cBinary: string | Error = new Error('the C reference was not compiled')): Peer {
  switch (name) {
    case 'backprop':
      return backpropPeer;
    case 'backprop-f32':
      return backpropFloat32Peer;
    case 'backprop-ref':
      return backpropReferencePeer;
    case 'backprop-1t':
      return backpropOneThreadPeer;
    case 'backprop-2t':
      return backpropTwoThreadsPeer;
    case 'plain-js':
      return plainJsPeer;
    case 'c':
      return cPeer(cBinary);
    case 'tfjs-cpu':
      return tfjsCpuPeer;
    case 'tfjs-wasm':
      return tfjsWasmPeer;
    case 'brain.js':
      return brainPeer;
    case 'synaptic':
      return synapticPeer;
  }
}
