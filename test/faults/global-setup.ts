// `npm run test:faults`: the shared services only (the faults that stop a server start private
// ones themselves); no browser.
export {
  sharedServicesUp as globalSetup,
  sharedServicesDown as globalTeardown,
} from '../support/shared-services.ts';
