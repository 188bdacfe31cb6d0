import { assertAdmin, assertMayChangeRole, assertMayRemove } from './chat-roles';
import { ParticipantRole } from './entities/chat-participant.entity';

describe('group role rules', () => {
  it('lets owners and admins administer, not members', () => {
    expect(() => assertAdmin('owner')).not.toThrow();
    expect(() => assertAdmin('admin')).not.toThrow();
    expect(() => assertAdmin('member')).toThrow('Only the owner or an admin');
  });

  it.each<[ParticipantRole, ParticipantRole, boolean]>([
    ['owner', 'admin', true],
    ['owner', 'member', true],
    ['admin', 'member', true],
    ['admin', 'admin', false],
    ['admin', 'owner', false],
    ['member', 'member', false],
    ['member', 'admin', false],
  ])('%s removing %s: allowed %s', (actor, target, allowed) => {
    const attempt = () => assertMayRemove(actor, target);
    if (allowed) expect(attempt).not.toThrow();
    else expect(attempt).toThrow();
  });

  it.each<[ParticipantRole, ParticipantRole, boolean]>([
    ['owner', 'member', true],
    ['owner', 'admin', true],
    ['owner', 'owner', false],
    ['admin', 'member', false],
    ['member', 'member', false],
  ])('%s changing the role of %s: allowed %s', (actor, target, allowed) => {
    const attempt = () => assertMayChangeRole(actor, target);
    if (allowed) expect(attempt).not.toThrow();
    else expect(attempt).toThrow();
  });

  it("says why the owner's own role cannot change", () => {
    expect(() => assertMayChangeRole('owner', 'owner')).toThrow("The owner's role cannot change");
  });
});
