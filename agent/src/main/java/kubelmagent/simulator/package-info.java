/**
 * A LoadMaster simulator, as close to the appliance as the public facts allow: the LoadMaster our
 * end-to-end tests, benchmarks and demo talk to.
 *
 * <h2>Parts</h2>
 * <ul>
 *   <li>{@link kubelmagent.simulator.SimulatedLoadMaster}: the engine, LoadMaster semantics in memory
 *       (also behind the tests' {@code kubelmagent.loadmaster.InMemoryLoadMaster});</li>
 *   <li>{@link kubelmagent.simulator.LoadMasterSimulator}: the HTTP(S) server and its in-process
 *       facade ({@code start(Options)}, {@code url()}, {@code caFile()}, {@code engine()},
 *       {@code close()}); {@link kubelmagent.simulator.SimulatorCli}: the program;</li>
 *   <li>{@code ApiHandler} ({@code /access/<cmd>}, {@code /accessv2}), {@code Auth}, {@code Commands}
 *       (parameters to engine calls), {@code Views} + {@code VsFields} (field order and kinds),
 *       {@code XmlRenderer}, {@code JsonRenderer}, {@link kubelmagent.simulator.Faults},
 *       {@link kubelmagent.simulator.StateFile}, {@code InspectionHandler} ({@code /simulator/...});</li>
 *   <li>{@link kubelmagent.simulator.Write} and {@code WriteJournal}: the write journal.</li>
 * </ul>
 *
 * <h2>Several credentials and the write journal</h2>
 * A real LoadMaster has several users, each with a password and API keys of its own. The simulator
 * models that much: {@code Options.apiKey(name, key)} and {@code Options.user(name, password)} add any
 * number of named API keys and users (a key and a user may share a name: one user with both), besides
 * the single unnamed key ({@code Options.apiKey(key)}, named {@code apikey}) and user
 * ({@code Options.credentials(user, password)}, named after the user) of older set-ups. Any of them is
 * accepted for any command; an API key sent with a request takes precedence over a user and password,
 * as on the appliance (a wrong key is refused even with a right password). Not modelled: permissions
 * per user (every user here may do everything, like the appliance's {@code bal}), adding, changing or
 * revoking users and keys while running (only all at once, with the {@code unauthorizedAfter} fault),
 * and any audit log of the appliance's own.
 *
 * <p>So that tests running two agents with different credentials can tell their writes apart (a
 * fencing test: the old leader made no write after the new one took over), every API request over
 * HTTP that changes state ({@code addvs}, {@code modvs}, {@code delvs}, {@code addrs}, {@code delrs},
 * {@code modrs}, {@code set}) is appended to an in-memory journal once it is applied or refused: when,
 * the credential's name ({@code anonymous} while the API is open), the command, the VS and Real Server
 * it named, and whether it was refused, with status and text. Refusals by the LoadMaster's rules and by
 * a fault injected before applying are journalled as refused; a fault injected after applying leaves
 * the write applied (the state changed, only the answer was lost). Reads, requests refused with 401,
 * unknown commands and set-up calls on {@code SimulatedLoadMaster} are not journalled. The journal is
 * in the order the writes were applied in (they run under the engine's lock), keeps the last 100,000
 * writes (older ones are forgotten, to bound memory in long runs), and is emptied by
 * {@code SimulatedLoadMaster.reset()}; it is not saved in the state file. Read it with
 * {@code LoadMasterSimulator.writes()} in process or {@code GET /simulator/writes} (JSON, see
 * {@code InspectionHandler}) from outside.
 *
 * <h2>What is confirmed</h2>
 * Confirmed by the captured answers (mathlu/loadmaster-go-client test data, reproduced by the fidelity
 * tests, byte for byte for the XML of {@code showvs}, {@code listvs}, {@code addrs}, {@code showrs},
 * {@code modrs}, {@code delrs}, {@code delvs}): the envelopes, element and field names, their order
 * and nesting, value formats (Y/N; JSON booleans, numbers and the string-typed {@code VSPort},
 * {@code ErrorCode}, {@code CheckPort}, {@code PersistTimeout}, {@code SSLRewrite}, {@code TlsType}),
 * the VS defaults shown there, the RS defaults (Weight 1000, Forward nat, Enable Y, Limit 0,
 * RateLimit 0, Follow 0, Critical N, DnsName empty, Nrules 0). Confirmed by the documentation or
 * by client code: HTTP status = {@code stat}; {@code Unknown VS}, {@code Unknown RS} (showrs),
 * {@code Unknown command} (405), {@code <param>: <Type> Value missing} (400), 401 for bad credentials,
 * 404 while the API is disabled, {@code vs=<Index>} or {@code vs/port/prot}, {@code rs=!<RsIndex>} or
 * {@code rs/rsport}, {@code non_local}, the {@code nonlocalrs} and {@code enableapi} parameters,
 * {@code nonlocalrs} off on a factory-new appliance, that a transparent VS cannot take non-local Real
 * Servers, apikey precedence over user/password in APIv2, {@code Unknown parameter value <name>};
 * that {@code listvs} lists SubVSs as VSs of their own, each {@code <VS>} with its {@code <Rs>} and
 * {@code <SubVS>} children (python SDK sample, Kemp's documentation).
 *
 * <h2>Inferred behaviours (not confirmed by a capture or a document)</h2>
 * <ol>
 *   <li>The duplicate-RS text {@code Real Server already exists} and the parent-VS text
 *       {@code Couldn't create RS} (low-confidence source), both 422; configurable with
 *       {@link kubelmagent.simulator.SimulatedLoadMaster#setText}.</li>
 *   <li>Addresses: the appliance takes IPv4 and IPv6 for {@code vs} and {@code rs} (documented), in any
 *       spelling (upper case, leading zeros, {@code ::} or not, percent-encoded or not); that it stores and
 *       shows them in the canonical form of RFC 5952 ({@code <VSAddress>fd00::5</VSAddress>},
 *       {@code <Addr>fd00::1</Addr>}, never {@code FD00:0:0::0001}), in every answer, {@code /simulator/state}
 *       and the state file, is a guess; so is that {@code vs}/{@code rs} naming a VS or RS by address match
 *       whatever the spelling, that the duplicate-RS refusal compares canonically ({@code fd00:0:0::1} is a
 *       duplicate of {@code fd00::1}), and that a zone ({@code fe80::1%eth0}) or brackets
 *       ({@code [fd00::1]}) are {@code Invalid address format}.</li>
 *   <li>A Real Server of the other address family than its VS's (IPv6 in an IPv4 VS, or the reverse) is
 *       accepted, as a LoadMaster can translate between the families in some set-ups; it counts as
 *       non-local (no default local subnet around the VS's address holds it) unless
 *       {@code setLocalSubnets} covers it. Tests can make the simulator refuse it instead:
 *       {@link kubelmagent.simulator.SimulatedLoadMaster#setOtherFamilyRealServers}{@code (false)}, 422 with
 *       the invented text {@code Real Server address family does not match the Virtual Service}
 *       ({@link kubelmagent.simulator.ErrorText#OTHER_FAMILY}).</li>
 *   <li>The non-local rule and its text (invented, 422 {@code Real Server address is not on a local
 *       network}): an RS outside the local subnets needs {@code nonlocalrs} on and {@code non_local=1};
 *       local subnets default to the /24 (/64 for IPv6) around the VS address (a SubVS uses its
 *       parent's).</li>
 *   <li>{@code nonlocalrs} is off by default, as documented for a factory-new appliance; that
 *       {@code reset()} and a state file without {@code "nonlocalrs"} mean off too follows from it. So
 *       the agent's pods (10.244.x, outside a VS's /24) are refused until a set-up switches it on:
 *       {@code setNonLocalRs(true)}, {@code LoadMasterSimulator.Options.nonLocalRs(true)},
 *       {@code --nonlocalrs on}, {@code "nonlocalrs": true} in the state file, or
 *       {@code set param=nonlocalrs&value=yes}.</li>
 *   <li>A VS whose {@code Transparent} is Y refuses a non-local RS on {@code addrs} (documented); the
 *       status 422 and the text {@code Non-local Real Servers cannot be used on a transparent Virtual
 *       Service} are invented ({@link kubelmagent.simulator.ErrorText#TRANSPARENT_NON_LOCAL},
 *       configurable with {@link kubelmagent.simulator.SimulatedLoadMaster#setText}). Also guessed: the
 *       {@code nonlocalrs}/{@code non_local} refusal comes first; a SubVS's own {@code Transparent}
 *       counts; switching Transparency on leaves non-local RSs already in the VS alone and
 *       {@code modrs} never checks it; {@code IsTransparent} (2 in every capture) plays no part.</li>
 *   <li>{@code Unknown VS} for every VS-addressed command, {@code Unknown RS} for {@code delrs} and
 *       {@code modrs} (verified for showvs/showrs/delvs and showrs only).</li>
 *   <li>VS {@code Index} and the box-wide {@code RsIndex} only increase and are never reused; a
 *       SubVS slot takes an RsIndex.</li>
 *   <li>{@code Layer} is 4 when {@code ForceL4} is Y, else 7 (fits all three captures).</li>
 *   <li>{@code Status} is always {@code Down} for VSs and new RSs (no health checks);
 *       {@code SimulatedLoadMaster#setRealServerStatus} changes an RS's.</li>
 *   <li>SubVS shape: no {@code VSAddress} element, {@code VSPort} 0, the parent's protocol,
 *       {@code MasterVSID} = parent Index; a parent's {@code MasterVS} = number of SubVSs,
 *       {@code NumberOfRSs} counts its {@code <Rs>} and its SubVS slots (a python SDK sample of a parent
 *       with two SubVSs shows 2; whether a VS with both would add them up is a guess, as the simulator
 *       never lets one VS hold both); {@code <SubVS>} entries are fixed (Down, nat, 1000,
 *       0, Y, N; {@code Name} the nickname or {@code -}).</li>
 *   <li>{@code listvs} with several VSs writes each as {@code showvs} writes it, in its own {@code <VS>},
 *       one after the other by Index (the capture holds one VS); a LoadMaster without VSs answers an empty
 *       {@code <Data></Data>} in XML and no {@code VS} field in JSON.</li>
 *   <li>In JSON, a VS's Real Servers are {@code "Rs": [...]} and SubVSs {@code "SubVS": [...]};
 *       {@code InterceptOpts}/{@code OwaspOpts} are not settable.</li>
 *   <li>The position of {@code DefaultGW} (the captures disagree; the {@code addvs} capture's place is
 *       used) and that optional fields (NickName, DefaultGW, CheckHost, CheckUrl, CheckCodes) are
 *       omitted when empty.</li>
 *   <li>The JSON error envelope's {@code "status": "fail"}; the APIv2 401 body
 *       {@code {"code":401,"message":"Unauthorized","status":"fail"}}; the APIv1 401 has an empty body;
 *       the 404 page's HTML.</li>
 *   <li>Type words of the missing-parameter text ({@code vs: Address}, {@code rs: Address},
 *       {@code rsport/port: Integer}, {@code param/value/cmd: String}); a non-numeric integer is
 *       reported as missing.</li>
 *   <li>Invented 422 texts: {@code Invalid address format} (from the ping command) for a non-IP
 *       {@code rs} or {@code vs}, {@code Invalid value for <name>} for out-of-range or malformed values
 *       (weight 0..65535, ports 1..65535, forward nat/route, flags), {@code Virtual Service already
 *       exists}, {@code Cannot create SubVS: ...} for {@code modvs createsubvs} on a VS with RSs.</li>
 *   <li>{@code prot} defaults to tcp; parameter names are case-insensitive in APIv1 too; repeated
 *       parameters: the first wins; APIv2 sub-commands with dots map to v1 path segments; APIv2 takes
 *       POST only (anything else: 400 {@code cmd: String Value missing}), malformed JSON: 400
 *       {@code Invalid JSON}.</li>
 *   <li>{@code get} answers {@code <Data><nonlocalrs>yes|no</nonlocalrs></Data>} ({@code "nonlocalrs":
 *       "yes"} in JSON); {@code set} answers {@code Command completed ok}.</li>
 *   <li>{@code modvs} answers the modified VS, and {@code modvs createsubvs} adds a SubVS with the next
 *       Index; {@code delvs} of a parent deletes its SubVSs.</li>
 *   <li>{@code modrs} answers {@code Command completed ok} (as the 2023 capture; newer firmware may
 *       return the RS); {@code newport} to an existing address:port is a duplicate.</li>
 *   <li>Without any credential configured the API is open (an unlicensed appliance); APIv1 accepts
 *       {@code apikey} or Basic, APIv2 also Basic; an injected 5xx answers the LoadMaster's own error
 *       envelope with text {@code Internal error}.</li>
 *   <li>Several users and API keys: that any user's password or API key works for every command (no
 *       permissions), that the API key precedence holds whichever user the key belongs to, and that one
 *       key value cannot belong to two users (the simulator refuses to start with one).</li>
 *   <li>Read-after-write delay hides only RSs created by {@code addrs}, from {@code showvs},
 *       {@code listvs} and {@code showrs} (and {@code NumberOfRSs}); writes see them.</li>
 * </ol>
 */
package kubelmagent.simulator;
