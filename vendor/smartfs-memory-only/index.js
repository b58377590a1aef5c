'use strict';
// CongoDB's MemoryStorageAdapter constructs a SmartFs in a field initialiser; Osteon never
// asks it to persist, so any call here is a programming error and says so.
class SmartFsProviderNode {}
class SmartFs {
  constructor(provider) {
    this.provider = provider;
  }
  file() {
    throw new Error('smartfs-memory-only: CongoDB file persistence is not supported in Osteon');
  }
  directory() {
    throw new Error('smartfs-memory-only: CongoDB file persistence is not supported in Osteon');
  }
}
module.exports = { SmartFs, SmartFsProviderNode };
