import type { DatabaseService } from '../../src/database/database.service';
import { HeatmapRepository } from '../../src/reports/heatmap.repository';
import { openDatabaseService, startTestDatabase, type TestDatabase } from '../support/mongo-peer';

describe('HeatmapRepository (storage)', () => {
  let database: TestDatabase;
  let service: DatabaseService;
  let repository: HeatmapRepository;

  beforeAll(async () => {
    database = await startTestDatabase();
    service = await openDatabaseService(database, `heatmaps_${Date.now()}`);
    repository = new HeatmapRepository(service);
  });

  afterAll(async () => {
    await service?.onApplicationShutdown();
    await database?.stop();
  });

  it('keeps one map per image content and model version, so a re-analysis adds nothing', async () => {
    const png = Buffer.from('first rendering');
    const first = await repository.save(png, 'a'.repeat(64), '1.0.1');
    const again = await repository.save(Buffer.from('second rendering'), 'a'.repeat(64), '1.0.1');
    expect(again).toBe(first);
    expect(await repository.find(first)).toEqual(png);
    expect(await service.db.collection('heatmaps').countDocuments({ sha256: 'a'.repeat(64) })).toBe(1);
  });

  it('keeps a separate map for another model version or other content', async () => {
    const base = await repository.save(Buffer.from('map'), 'b'.repeat(64), '1.0.1');
    const otherModel = await repository.save(Buffer.from('map'), 'b'.repeat(64), '1.1.0');
    const otherImage = await repository.save(Buffer.from('map'), 'c'.repeat(64), '1.0.1');
    expect(new Set([base, otherModel, otherImage]).size).toBe(3);
    expect(await repository.find('not-an-id')).toBeUndefined();
  });
});
