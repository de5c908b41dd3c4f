export * from './mesh';
export * from './instance';
export * from './state';
export * from './proxy';
export * from './errors';
export * from './identity';
