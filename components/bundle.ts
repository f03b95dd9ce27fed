/** The script-tag bundle: registers the elements and exposes the engine and the elements. */
import './define.js';
export * from '../src/index.js';
export * from './index.js';
