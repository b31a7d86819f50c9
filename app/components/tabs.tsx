import { type ReactNode, useId } from "react";

/**
 * A tab bar over one panel (WAI-ARIA tabs: tablist, tab, tabpanel). The page keeps which tab
 * is chosen and renders only that panel's content as children.
 */

export interface Tab<Id extends string> {
  id: Id;
  label: ReactNode;
}

export function Tabs<Id extends string>({
  tabs,
  selected,
  onSelect,
  label,
  children,
}: {
  tabs: readonly Tab<Id>[];
  selected: Id;
  onSelect: (id: Id) => void;
  /** What the tabs choose between, for screen readers. */
  label: string;
  children: ReactNode;
}) {
  const prefix = useId();
  const tabId = (id: Id) => `${prefix}tab-${id}`;
  const panelId = `${prefix}panel`;
  return (
    <>
      <div className="segmented tabs" role="tablist" aria-label={label}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            id={tabId(tab.id)}
            type="button"
            role="tab"
            aria-selected={tab.id === selected}
            aria-controls={panelId}
            className={tab.id === selected ? "segment active" : "segment"}
            onClick={() => onSelect(tab.id)}
            data-testid={`tab-${tab.id}`}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div id={panelId} role="tabpanel" aria-labelledby={tabId(selected)}>
        {children}
      </div>
    </>
  );
}
