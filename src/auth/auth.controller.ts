import { Body, Controller, HttpCode, HttpStatus, Ip, Post } from '@nestjs/common';
import { ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Public } from '../access/access.decorators';
import { parseInput } from '../common/invalid-input.exception';
import { ApiJsonBody, ApiJsonResponse } from '../common/openapi';
import { AUTH_EXAMPLES, loginResultSchema } from './auth-api.schema';
import { AuthService, type LoginResult } from './auth.service';
import { firstIssue, loginSchema } from './user-input';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiJsonBody('Login', loginSchema, AUTH_EXAMPLES.login)
  @ApiJsonResponse('LoginResult', loginResultSchema, {
    description: 'a bearer token for the account’s role',
    example: AUTH_EXAMPLES.loginResult,
  })
  @ApiUnauthorizedResponse({ description: 'unknown user, wrong password or disabled account (one message for all)' })
  @ApiTooManyRequestsResponse({
    description: 'too many failed logins for the account or the address; `Retry-After` says when to try again',
  })
  async login(@Body() body: unknown, @Ip() address: string): Promise<LoginResult> {
    const { username, password } = parseInput(loginSchema, body, firstIssue);
    return this.auth.login(username, password, address);
  }
}
