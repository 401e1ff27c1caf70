// The Express adapter lands with this package's issue.
export {}
