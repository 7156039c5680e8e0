/** Every command of cbm, in the order `cbm --help` lists them. */
import type { Command } from '../command.ts';
import { cbmCommands } from './cbms.ts';
import { checkCommands } from './checks.ts';
import { contactCommands } from './contacts.ts';
import { documentCommands } from './documents.ts';
import { feedCommands } from './feed.ts';
import { incidentCommands } from './incidents.ts';
import { initCommands } from './init.ts';
import { keyCommands } from './keys.ts';
import { profileCommands } from './profile.ts';
import { requestCommands as apiRequestCommands } from './request.ts';
import { requestCommands } from './requests.ts';
import { stateCommands } from './states.ts';
import { verifyCommands } from './verify.ts';
import { witnessCommands } from './witness.ts';
import { archiveCommands } from './archive.ts';

export const COMMANDS: Command[] = [
  ...initCommands,
  ...keyCommands,
  ...profileCommands,
  ...verifyCommands,
  ...witnessCommands,
  ...archiveCommands,
  ...feedCommands,
  ...apiRequestCommands,
  ...contactCommands,
  ...checkCommands,
  ...documentCommands,
  ...incidentCommands,
  ...requestCommands,
  ...stateCommands,
  ...cbmCommands,
];
