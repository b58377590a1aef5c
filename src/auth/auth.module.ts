import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { FirstOperatorService } from './first-operator.service';
import { LoginThrottleRepository } from './login-throttle.repository';
import { UserRepository } from './user.repository';
import { SetupController } from './setup.controller';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/**
 * Installs the global guard. The decorators it reads (`@Public()`, `@Roles()`, `@CurrentUser()`)
 * live in access/, so other modules declare access without importing this one (nor the audit log
 * it writes to); import it to inject AuthService or UsersService.
 */
@Module({
  imports: [AuditModule],
  controllers: [AuthController, UsersController, SetupController],
  providers: [
    AuthService,
    UsersService,
    FirstOperatorService,
    UserRepository,
    LoginThrottleRepository,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, UsersService, FirstOperatorService],
})
export class AuthModule {}
