import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/cloudflare";
import { useLoaderData } from "@remix-run/react";
import { listMarkets } from "../../worker/services/markets/index.ts";

export const meta: MetaFunction = () => [{ title: "Markets · CoinHubX" }];

export async function loader({ context }: LoaderFunctionArgs) {
  const markets = await listMarkets(context.services);
  return { markets };
}

export default function Home() {
  const { markets } = useLoaderData<typeof loader>();
  return (
    <section>
      <header className="page-header">
        <h1>Markets</h1>
        <p className="muted">Spot markets, with prices in the quote currency.</p>
      </header>
      {markets.length === 0 ? (
        <div className="empty-state" data-testid="markets-empty">
          <h2>No markets yet</h2>
          <p>
            Market data is not connected on this deployment. Markets appear here once a price source is live.
          </p>
        </div>
      ) : (
        <table className="table" data-testid="markets-table">
          <thead>
            <tr>
              <th scope="col">Market</th>
              <th scope="col" className="numeric">
                Last
              </th>
              <th scope="col" className="numeric">
                24h change
              </th>
              <th scope="col" className="numeric">
                24h volume
              </th>
            </tr>
          </thead>
          <tbody>
            {markets.map((market) => (
              <tr key={market.symbol}>
                <td>{market.symbol}</td>
                <td className="numeric">{market.last}</td>
                <td className="numeric">{market.change24h}</td>
                <td className="numeric">{market.volume24h}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
