import btc from "cryptocurrency-icons/svg/color/btc.svg";
import eth from "cryptocurrency-icons/svg/color/eth.svg";
import gbp from "cryptocurrency-icons/svg/color/gbp.svg";
import sol from "cryptocurrency-icons/svg/color/sol.svg";
import usdt from "cryptocurrency-icons/svg/color/usdt.svg";

/**
 * The one coin icon. SVGs from `cryptocurrency-icons` (CC0), imported so Vite emits each as a
 * fingerprinted file under /assets (vite.config.ts: never inlined, so a table's repeated icons
 * are one cached download rather than a copy in every row's HTML). Only the assets we list
 * are imported; anything else gets a neutral disc with its first letter, never a broken image.
 */
const ICONS: Readonly<Record<string, string>> = { BTC: btc, ETH: eth, GBP: gbp, SOL: sol, USDT: usdt };

export interface CoinIconProps {
  /** Asset code: "BTC", "GBP", … */
  code: string;
  /** Pixel size of the square; 20 by default. */
  size?: number;
  className?: string;
}

export function CoinIcon({ code, size = 20, className }: CoinIconProps) {
  const source = ICONS[code.toUpperCase()];
  const classes = `coin-icon${className ? ` ${className}` : ""}`;
  if (!source) {
    return (
      <span
        className={`${classes} coin-icon-fallback`}
        style={{ width: size, height: size, fontSize: Math.round(size * 0.5) }}
        role="img"
        aria-label={code}
      >
        {code.slice(0, 1).toUpperCase()}
      </span>
    );
  }
  return <img className={classes} src={source} width={size} height={size} alt={code} loading="lazy" />;
}

/** A pair's two icons, the quote's tucked behind the base's. */
export function PairIcon({ base, quote, size = 22 }: { base: string; quote: string; size?: number }) {
  return (
    <span className="pair-icon" style={{ width: size * 1.55, height: size }} aria-hidden="true">
      <CoinIcon code={quote} size={Math.round(size * 0.8)} className="pair-icon-quote" />
      <CoinIcon code={base} size={size} className="pair-icon-base" />
    </span>
  );
}
