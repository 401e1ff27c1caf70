#!/usr/bin/env node
// The bin is this committed file, not dist/cli.js itself: pnpm links a workspace package's bins at install, before any
// build, and warns about a target that does not exist yet.
import '../dist/cli.js'
