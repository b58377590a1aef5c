import fs from 'node:fs';
import path from 'node:path';
import { environmentSchema } from '../../src/config/config.schema';

describe('README configuration table', () => {
  it('documents every environment variable the engine reads', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const undocumented = Object.keys(environmentSchema.shape).filter((variable) => !readme.includes(`\`${variable}\``));
    expect(undocumented).toEqual([]);
  });
});
