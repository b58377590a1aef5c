import { Global, Module } from '@nestjs/common';
import { BlobStoreRepository } from './blob-store.repository';

@Global()
@Module({ providers: [BlobStoreRepository], exports: [BlobStoreRepository] })
export class StorageModule {}
