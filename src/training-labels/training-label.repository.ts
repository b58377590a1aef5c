import { Injectable } from '@nestjs/common';
import type { Collection, WithId } from 'mongodb';
import { DatabaseService } from '../database/database.service';
import type { NewTrainingLabel, TrainingLabel } from './training-label';

function toLabel(document: WithId<NewTrainingLabel>): TrainingLabel {
  const { _id, ...rest } = document;
  return { id: _id.toHexString(), ...rest };
}

/** The only code that touches `training_labels`; labels are appended, never overwritten. */
@Injectable()
export class TrainingLabelRepository {
  constructor(private readonly database: DatabaseService) {}

  private get collection(): Collection<NewTrainingLabel> {
    return this.database.db.collection<NewTrainingLabel>('training_labels');
  }

  async append(labels: readonly NewTrainingLabel[]): Promise<void> {
    if (labels.length > 0) await this.collection.insertMany(labels.map((label) => ({ ...label })));
  }

  async existsFor(reportId: string, labelledAt: Date): Promise<boolean> {
    return (await this.collection.findOne({ reportId, labelledAt })) !== null;
  }

  async findByReport(reportId: string): Promise<TrainingLabel[]> {
    return (await this.collection.find({ reportId }).sort({ labelledAt: 1 }).toArray()).map(toLabel);
  }

  /** Every label since a date, oldest first (exports stream this; label counts stay modest). */
  async all(since: Date | undefined): Promise<TrainingLabel[]> {
    const query = since ? { labelledAt: { $gte: since } } : {};
    return (await this.collection.find(query).sort({ labelledAt: 1 }).toArray()).map(toLabel);
  }

  async count(since: Date | undefined): Promise<number> {
    return this.collection.countDocuments(since ? { labelledAt: { $gte: since } } : {});
  }

  async list(since: Date | undefined, offset: number, limit: number): Promise<{ items: TrainingLabel[]; total: number }> {
    const query = since ? { labelledAt: { $gte: since } } : {};
    const [documents, total] = await Promise.all([
      this.collection.find(query).sort({ labelledAt: -1 }).skip(offset).limit(limit).toArray(),
      this.collection.countDocuments(query),
    ]);
    return { items: documents.map(toLabel), total };
  }
}
