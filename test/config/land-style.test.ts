import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/options.js';
import { validateConfig } from '../../src/config/validate.js';

describe('landStyle', () => {
  it('defaults to merge and accepts squash', () => {
    expect(DEFAULTS.landStyle).toBe('merge');
    expect(validateConfig({ landStyle: 'squash' })).toEqual({ options: { landStyle: 'squash' }, problems: [] });
  });

  it('names the allowed values for anything else', () => {
    expect(validateConfig({ landStyle: 'rebase' }).problems).toEqual([
      { path: 'landStyle', message: 'Expected `landStyle` to be one of merge, squash, got `"rebase"` (string).' },
    ]);
  });
});
