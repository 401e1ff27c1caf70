#!/usr/bin/env node
// The bin is this committed file, not dist/bin.js itself: pnpm links a workspace package's bins at install, before any
// build, and warns about a target that does not exist yet.
import '../dist/bin.js'
