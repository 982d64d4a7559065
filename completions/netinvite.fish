# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_netinvite_global_optspecs
    string join \n server= profile= json q/quiet v/verbose no-input connect-timeout= timeout= color= h/help V/version
end

function __fish_netinvite_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_netinvite_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_netinvite_using_subcommand
    set -l cmd (__fish_netinvite_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c netinvite -n "__fish_netinvite_needs_command" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_needs_command" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_needs_command" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_needs_command" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_needs_command" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_needs_command" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_needs_command" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_needs_command" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_needs_command" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netinvite -n "__fish_netinvite_needs_command" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "login" -d 'Sign in to a server and keep the token in the OS keyring'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "logout" -d 'Forget the stored sign-in'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "auth" -d 'Inspect the current sign-in'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "networks" -d 'List the networks you can see'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "create" -d 'Invite one or more people into a network'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "list" -d 'List invitations, newest first'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "ls" -d 'List invitations, newest first'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "show" -d 'Show one invitation with every field'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "copy-link" -d 'Put an invitation\'s link on the clipboard'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "resend" -d 'Send the invitation email again'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "revoke" -d 'Revoke invitations so their links stop working'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "inspect" -d 'Preview an invitation from its link, without signing in'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "accept" -d 'Accept an invitation (as the invitee)'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "doctor" -d 'Check the server, the sign-in set-up, the keyring and the clipboard'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "config" -d 'Show or change profile settings'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "__hold-clipboard" -d 'Hold the clipboard (internal: started by copy-link)'
complete -c netinvite -n "__fish_netinvite_needs_command" -f -a "__panic" -d 'Crash on purpose (internal: lets the tests see the crash report)'
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l public-url -d 'Base URL of the web UI for invitation links, when it differs from the server URL' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l issuer -d 'OIDC issuer URL (default: the profile\'s, or what the server reveals)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l client-id -d 'OIDC client id (default: the profile\'s, or the server\'s own)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l bearer -d 'Which token to send to the server: the ID token (its audience is the client id, which the server checks) or the access token' -r -f -a "id-token\t'The ID token: its audience is the client id, which is what the server checks'
access-token\t'The access token, for identity providers that put the server\'s client id in it'"
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l with-token -d 'Read a token from standard input instead of signing in'
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l insecure-storage -d 'Keep the token in a file readable only by you, instead of the OS keyring'
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l device -d 'Sign in with the device flow: a code to confirm in any browser'
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l browser -d 'Sign in through a browser on this machine (authorization code + PKCE)'
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netinvite -n "__fish_netinvite_using_subcommand login" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand logout" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -f -a "status" -d 'Show server, user, system role, where the token is kept and when it expires'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and not __fish_seen_subcommand_from status token" -f -a "token" -d 'Print the current bearer token (renewed if needed) to stdout, for scripts'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand auth; and __fish_seen_subcommand_from token" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -l format -d 'Output format (default: a table on a terminal, TSV otherwise)' -r -f -a "table\t'A table on a terminal, tab-separated rows otherwise'
tsv\t'Tab-separated rows, no header'
json\t'One JSON array'
ndjson\t'One JSON object per line'
csv\t'Comma-separated with a header row'"
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netinvite -n "__fish_netinvite_using_subcommand networks" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -s e -l email -d 'Address to invite (repeat for several)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l emails-from -d 'Read addresses from a file, one per line (`-` for standard input; blank lines and lines starting with `#` are skipped)' -r -F
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -s n -l network -d 'Network name or id' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l role -d 'Role in the network: member or owner' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l expires-in -d 'How long the link stays valid, in whole days (1–365): 7, 7d or 2w' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l can-manage-nodes -d 'Allow adding, editing and deleting nodes'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l can-invite-users -d 'Allow sending further invitations for this network'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l can-manage-firewall -d 'Allow editing groups and firewall rules'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l replace -d 'Revoke a pending invitation for the same address and network, then create anew'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l keep-case -d 'Keep the address\'s case (by default it is lower-cased, as the server\'s duplicate check is case-sensitive)'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l copy -d 'Put the link on the clipboard too'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand create" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -s s -l status -d 'Only these effective statuses: pending, accepted, expired, revoked (comma-separated)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -s n -l network -d 'Only this network (name or id)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -s e -l email -d 'Only addresses matching this pattern (case-insensitive; `*` matches anything, otherwise a substring)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -l limit -d 'At most this many rows (the newest)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -l format -d 'Output format (default: a table on a terminal, TSV otherwise)' -r -f -a "table\t'A table on a terminal, tab-separated rows otherwise'
tsv\t'Tab-separated rows, no header'
json\t'One JSON array'
ndjson\t'One JSON object per line'
csv\t'Comma-separated with a header row'"
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netinvite -n "__fish_netinvite_using_subcommand list" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -s s -l status -d 'Only these effective statuses: pending, accepted, expired, revoked (comma-separated)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -s n -l network -d 'Only this network (name or id)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -s e -l email -d 'Only addresses matching this pattern (case-insensitive; `*` matches anything, otherwise a substring)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -l limit -d 'At most this many rows (the newest)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -l format -d 'Output format (default: a table on a terminal, TSV otherwise)' -r -f -a "table\t'A table on a terminal, tab-separated rows otherwise'
tsv\t'Tab-separated rows, no header'
json\t'One JSON array'
ndjson\t'One JSON object per line'
csv\t'Comma-separated with a header row'"
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netinvite -n "__fish_netinvite_using_subcommand ls" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -s n -l network -d 'The invitation\'s network (name or id), to fetch less on large servers' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand show" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -s n -l network -d 'The invitation\'s network (name or id), to fetch less on large servers' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -s p -l print -d 'Print the link to stdout instead of copying it'
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand copy-link" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -l wait-timeout -d 'How long --wait waits, in seconds' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -l wait -d 'Wait until the server reports the email as sent or failed'
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand resend" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -s y -l yes -d 'Do not ask for confirmation'
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -l force -d 'Also revoke invitations that are not pending (an accepted one keeps its access)'
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand revoke" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand inspect" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand accept" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -f -a "list" -d 'List the profiles'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -f -a "show" -d 'Show the settings of the selected profile, as netinvite resolves them'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -f -a "use" -d 'Make a profile the default'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -f -a "set" -d 'Change a setting of the selected profile'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and not __fish_seen_subcommand_from list show use set unset" -f -a "unset" -d 'Remove a setting of the selected profile'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from use" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c netinvite -n "__fish_netinvite_using_subcommand config; and __fish_seen_subcommand_from unset" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand completions" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand __hold-clipboard" -s V -l version -d 'Print version'
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -l server -d 'Server URL, e.g. https://nebula.example.com (selects the profile signed in to it)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -l profile -d 'Profile to use (see `netinvite config list`)' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -l connect-timeout -d 'Seconds to wait for a connection to the server [default: 5]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -l timeout -d 'Seconds the server may stay silent, before or within an answer [default: 15; lists 60, writes 30]' -r
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -l color -d 'When to use colour (NO_COLOR is honoured by `auto`)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -l json -d 'Print JSON on stdout; errors become JSON on stderr'
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -s q -l quiet -d 'Print nothing but data and errors'
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -s v -l verbose -d 'Show each request (method, URL, status, timing) and each retry on stderr; never a token'
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -l no-input -d 'Never prompt; fail instead of asking'
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -s h -l help -d 'Print help'
complete -c netinvite -n "__fish_netinvite_using_subcommand __panic" -s V -l version -d 'Print version'
