import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { PinoNestLogger, rootLogger } from './common/logger';
import { ConfigError, loadAppConfig } from './config/app-config';

async function bootstrap(): Promise<void> {
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
  const app = await NestFactory.create(AppModule, { logger: new PinoNestLogger() });
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle('Osteon').setDescription('Emergency X-ray integration engine').setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
  await app.listen(config.http.port, config.http.host);
  rootLogger.info({ host: config.http.host, port: config.http.port }, 'HTTP API listening');
}

bootstrap().catch((error: Error) => {
  rootLogger.fatal({ err: error.message, stack: error.stack }, 'Osteon failed to start');
  process.exit(1);
});
