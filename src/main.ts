import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { FirstOperatorService } from './auth/first-operator.service';
import { logDestination, PinoNestLogger, rootLogger } from './common/logger';
import { completeOpenApiDocument } from './common/openapi';
import { requestLog } from './common/request-log.middleware';
import { ConfigError, loadAppConfig, type AppConfig } from './config/app-config';

async function bootstrap(): Promise<void> {
  // Log lines still being gathered when the process exits (an uncaught error, process.exit) are written then.
  process.on('exit', () => logDestination.flushSync());
  let config;
  try {
    config = loadAppConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { logger: new PinoNestLogger() });
  stopOnSignals(app);
  app.disable('x-powered-by');
  app.use(requestLog());
  // Security headers on every answer. The console sets its own strict Content-Security-Policy (the
  // OpenAPI page needs inline script); HSTS belongs to the TLS terminator in front of the engine.
  app.use(helmet({ contentSecurityPolicy: false, strictTransportSecurity: false }));
  const document = completeOpenApiDocument(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder().setTitle('Osteon').setDescription('Emergency X-ray integration engine').setVersion('1').addBearerAuth().build(),
    ),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  await app.listen(config.http.port, config.http.host);
  rootLogger.info({ host: config.http.host, port: config.http.port }, 'HTTP API listening');
  rootLogger.info(startupSummary(config, app.get(FirstOperatorService).pendingSetupCode));
}

/** The last start-up line, for a person: where to go and what to do first. */
function startupSummary(config: AppConfig, setupCode: string | undefined): string {
  const wildcard = config.http.host === '0.0.0.0' || config.http.host === '::';
  const consoleUrl = `http://${wildcard ? '127.0.0.1' : config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${config.http.port}/`;
  const dicom = `DICOM AE title ${config.dicom.aeTitle} on ${config.dicom.host}:${config.dicom.port}`;
  const next = setupCode
    ? `First: open the console and create the first operator (from another machine the setup code ${setupCode} is needed).`
    : 'First: sign in at the console, then send a study (README, "Send a first study").';
  return `Osteon is ready. Console ${consoleUrl} · ${dicom}. ${next}`;
}

/**
 * SIGTERM/SIGINT: the modules' shutdown hooks run (jobs finish, listeners close, the embedded
 * database closes its journal), the log is flushed, then the process exits. A shutdown that
 * hangs is cut short after 30 s.
 */
function stopOnSignals(app: INestApplication): void {
  const stop = (signal: NodeJS.Signals): void => {
    rootLogger.info({ signal }, 'stopping');
    setTimeout(() => process.exit(1), 30_000).unref();
    app
      .close()
      .catch((error: Error) => rootLogger.error({ err: error.message }, 'shutdown failed'))
      .finally(() => void logDestination.flush().finally(() => process.exit(0)));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((error: Error) => {
  // A database that cannot start has said why in its own line: no stack trace for it.
  const expected = error.name === 'EmbeddedDatabaseError';
  rootLogger.fatal({ err: error.message, ...(expected ? {} : { stack: error.stack }) }, 'Osteon failed to start');
  void logDestination.flush().finally(() => process.exit(1));
});
