/** `cdk synth` / `cdk deploy` entry point (see cdk.json): every stack, configured from context. */
import { App } from "aws-cdk-lib";
import { addSluiceStacks } from "./app.js";

const app = new App();
addSluiceStacks(app);
app.synth();
