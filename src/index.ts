export * from './errors.js';
export * from './task/types.js';
