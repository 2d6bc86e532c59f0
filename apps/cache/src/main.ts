import { closeOnSignals } from '@portico/platform';
import { bootstrap } from './bootstrap';

bootstrap().then(closeOnSignals, (err: Error) => {
  process.stderr.write(`cache failed to start: ${err.message}\n`);
  process.exit(1);
});
