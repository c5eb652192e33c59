import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';

describe('policy modules in the workflow sandbox', () => {
  it('bundle as workflow code: no Node built-ins, through their libraries too', async function () {
    this.timeout(60_000);
    // Temporal's bundler fails on any Node built-in, e.g. "node:crypto", that workflow code would reach.
    await bundleWorkflowCode({
      workflowsPath: require.resolve('./fixtures/sandboxWorkflow'),
      logger: new DefaultLogger('ERROR'),
    });
  });
});
