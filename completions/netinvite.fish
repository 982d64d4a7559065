complete --keep-order --exclusive --command netinvite --arguments "(COMPLETE=fish netinvite -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
