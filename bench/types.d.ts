/** Types for the untyped packages the bench uses: the little of synaptic 1.x it calls. */
declare module 'synaptic' {
  export interface Connection {
    from: Neuron;
    weight: number;
  }
  export interface Neuron {
    bias: number;
    connections: { inputs: Record<string, Connection> };
  }
  export interface Layer {
    list: Neuron[];
  }
  export class Network {
    layers: { input: Layer; hidden: Layer[]; output: Layer };
    optimized: { memory: Float64Array } | null | false;
    activate(input: ArrayLike<number>): number[];
    propagate(rate: number, target: ArrayLike<number>): void;
    optimize(): void;
  }
  export const Architect: {
    Perceptron: new (...sizes: number[]) => Network;
  };
}
