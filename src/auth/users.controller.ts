import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { ApiJsonBody, ApiJsonResponse } from '../common/openapi';
import { AUTH_EXAMPLES, createUserSchema, userViewSchema } from './auth-api.schema';
import type { UserView } from './user-record';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
@Roles('operator')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiJsonBody('CreateUser', createUserSchema, AUTH_EXAMPLES.createUser)
  @ApiJsonResponse('User', userViewSchema, { status: 201, description: 'the user, without its password hash', example: AUTH_EXAMPLES.user })
  async create(@CurrentUser() actor: AuthenticatedUser, @Body() body: unknown): Promise<UserView> {
    return this.users.create(actor, body);
  }

  @Get()
  @ApiJsonResponse('Users', z.array(userViewSchema), { description: 'every account, by username' })
  async list(): Promise<UserView[]> {
    return this.users.list();
  }

  @Post(':id/disable')
  @HttpCode(HttpStatus.OK)
  @ApiJsonResponse('User', userViewSchema, { description: 'the disabled account' })
  async disable(@CurrentUser() actor: AuthenticatedUser, @Param('id') id: string): Promise<UserView> {
    return this.users.disable(actor, id);
  }
}
