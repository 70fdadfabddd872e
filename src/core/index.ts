export * from './addresses';
export * from './causes';
export * from './direction';
export * from './engine';
export * from './explain';
export * from './ports';
export * from './status';
