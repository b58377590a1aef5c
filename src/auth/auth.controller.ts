import { BadRequestException, Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Public } from './auth.decorators';
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
  async login(@Body() body: unknown): Promise<LoginResult> {
    const parsed = loginSchema.safeParse(body);
    if (!parsed.success) throw new BadRequestException(firstIssue(parsed.error));
    return this.auth.login(parsed.data.username, parsed.data.password);
  }
}
