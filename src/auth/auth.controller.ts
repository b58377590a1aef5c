import { Body, Controller, HttpCode, HttpStatus, Ip, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Public } from '../access/access.decorators';
import { parseInput } from '../common/invalid-input.exception';
import { AuthService, type LoginResult } from './auth.service';
import { firstIssue, loginSchema } from './user-input';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiBody({
    schema: {
      type: 'object',
      required: ['username', 'password'],
      properties: { username: { type: 'string' }, password: { type: 'string' } },
    },
  })
  @ApiOkResponse({ description: '`{accessToken, tokenType: "Bearer", expiresIn, role}`' })
  @ApiUnauthorizedResponse({ description: 'unknown user, wrong password or disabled account (one message for all)' })
  @ApiTooManyRequestsResponse({
    description: 'too many failed logins for the account or the address; `Retry-After` says when to try again',
  })
  async login(@Body() body: unknown, @Ip() address: string): Promise<LoginResult> {
    const { username, password } = parseInput(loginSchema, body, firstIssue);
    return this.auth.login(username, password, address);
  }
}
