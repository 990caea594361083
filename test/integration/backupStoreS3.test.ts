/** Hour backups in a SeaweedFS bucket (the integration run's S3 server): the shared backup suite. */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../adapters/objectStore';
import { readAll } from '../support/objectStoreContract';
import { backupStoreSuite } from '../support/backupStoreSuite';
import { newS3Store } from '../support/s3';

describe('BackupStore on SeaweedFS', () => {
  backupStoreSuite(() => {
    const backup = newS3Store() as S3ObjectStore;
    return Promise.resolve({
      backup,
      landing: newS3Store(),
      // Behind the store's back: a plain put (not conditional) replaces the bytes, as damage would.
      tamper: async (key, change) => {
        const Key = backup.prefix + key;
        const bytes = change(await readAll(await backup.openRead(key)));
        await backup.client.send(
          bytes === undefined
            ? new DeleteObjectCommand({ Bucket: backup.bucket, Key })
            : new PutObjectCommand({ Bucket: backup.bucket, Key, Body: bytes }),
        );
      },
    });
  });
});
