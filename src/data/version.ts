/**
 * backprop's version, named as the producer in exported files. A constant rather than a read of
 * package.json so that the library runs in browsers; a test keeps it equal to package.json's.
 */
export const BACKPROP_VERSION = '0.1.0';
