package io.chainmesh.sim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Command line: runs one simulation, prints its figures, writes them as JSON and Markdown when asked, and exits
 * 1 (printing the seed and the command that replays it) if any invariant was violated.
 * <pre>
 *   --members N|mainnet   listed entries (mainnet: 13,047)      --seconds S     simulated seconds
 *   --seed X              the run's seed                        --load light|stress (presets of the next four)
 *   --rate R              batches/s network-wide                --publishers P  members publishing them
 *   --payload B           bytes per batch                       --drain S       quiet seconds at the end
 *   --uplink-mbps M       uplink per member                     --retention-kib K   retention per member
 *   --verify-micros U     CPU per signature check               --no-heartbeats
 *   --digest-peers P      peers told our changes per second (the engine's digestPeersPerSecond)
 *   --retention-seconds S how long each member retains batches (60)
 *   --faults PLAN         see FaultPlan                         --out PREFIX    write PREFIX.json, PREFIX.md and
 *                                                                               the charts PREFIX-*.svg
 * </pre>
 */
public final class SimMain
{
    private SimMain()
    {
    }

    /**
     * @param args options above.
     * @throws IOException if the report cannot be written.
     */
    public static void main(final String[] args) throws IOException
    {
        final SimConfig config = new SimConfig();
        String out = null;
        String title = "simulation";
        double rate = 4;
        int publishers = 4;
        int payload = 256;
        for (int i = 0; i < args.length; i++)
        {
            final String value = i + 1 < args.length ? args[i + 1] : "";
            switch (args[i])
            {
                case "--members": config.members("mainnet".equals(value) ? SimConfig.MAINNET : Integer.parseInt(value)); i++; break;
                case "--seconds": config.seconds(Double.parseDouble(value)); i++; break;
                case "--seed": config.seed(Long.parseLong(value)); i++; break;
                case "--load":
                    final boolean stress = "stress".equals(value);
                    rate = stress ? 200 : 4;
                    publishers = stress ? 32 : 4;
                    payload = stress ? 1024 : 256;
                    i++;
                    break;
                case "--rate": rate = Double.parseDouble(value); i++; break;
                case "--publishers": publishers = Integer.parseInt(value); i++; break;
                case "--payload": payload = Integer.parseInt(value); i++; break;
                case "--drain": config.drainSeconds(Double.parseDouble(value)); i++; break;
                case "--uplink-mbps": config.uplink(Double.parseDouble(value), 2); i++; break;
                case "--retention-kib": config.retention(Integer.parseInt(value) << 10, config.retentionMillis()); i++; break;
                case "--retention-seconds":
                    config.retention(config.retentionBytes(), Math.round(Double.parseDouble(value) * 1000));
                    i++;
                    break;
                case "--verify-micros": config.cpu(Long.parseLong(value) * 1_000, 8_000, 4_000); i++; break;
                case "--no-heartbeats": config.heartbeats(false); break;
                case "--digest-peers": config.digestPeersPerSecond(Integer.parseInt(value)); i++; break;
                case "--faults": config.faults(value); i++; break;
                case "--out": out = value; i++; break;
                case "--title": title = value; i++; break;
                default: throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        config.load(rate, publishers, payload);
        final Outcome outcome = new Simulation(config).progress(System.err).run();
        final String json = Reports.json(outcome);
        System.out.println(json);
        if (null != out)
        {
            Files.writeString(Path.of(out + ".json"), json + "\n");
            final List<Path> charts = Charts.write(out, outcome);
            Files.writeString(Path.of(out + ".md"), Reports.markdown(title, outcome, charts));
        }
        if (!outcome.passed())
        {
            System.err.println("FAILED seed " + config.seed() + ": " + outcome.violations);
            System.err.println("replay: " + outcome.figures.get("replay"));
            System.exit(1);
        }
    }
}
