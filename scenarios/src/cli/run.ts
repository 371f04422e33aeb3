/** Process entry of the CLI: `bin/v1hub.js` runs the built copy; tests run this file from source with tsx. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
